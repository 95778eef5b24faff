"""``python -m robocore`` runs the CLI."""

from robocore.cli import main

raise SystemExit(main())
