from dispatch.entrypoints.cli import main

raise SystemExit(main())
