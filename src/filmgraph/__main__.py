import sys

from filmgraph.cli import main

sys.exit(main())
