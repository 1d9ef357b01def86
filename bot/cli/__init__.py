"""The `linzhu` command (see main.py); one module per area's sub-commands."""
