from stratification.entrypoints.cli import main

raise SystemExit(main())
