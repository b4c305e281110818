from gateway.entrypoints.cli import main

raise SystemExit(main())
