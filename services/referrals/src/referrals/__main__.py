from referrals.entrypoints.cli import main

raise SystemExit(main())
