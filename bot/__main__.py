import sys

from bot.cli.main import main

if __name__ == "__main__":  # not when a spawned child (the FAQ scoring process) imports it
    sys.exit(main())
