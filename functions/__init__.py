"""Lambda function entry points, one package per function."""
