from careplans.entrypoints.cli import main

raise SystemExit(main())
