from caseload.entrypoints.cli import main

raise SystemExit(main())
