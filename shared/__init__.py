"""Code shared by every CountOnMe Lambda function: settings, database, models, web glue."""
