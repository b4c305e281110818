from ops.entrypoints.cli import main

raise SystemExit(main())
