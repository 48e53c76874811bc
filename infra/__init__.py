"""Where the code runs: AWS stacks, artifact builds, local stand-ins. Never imported by Lambda."""
