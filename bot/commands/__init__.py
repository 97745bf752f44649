"""What the `settlebot` commands do, one module per group; bot/cli.py parses the arguments."""
