from cch_devstack.cli import main

raise SystemExit(main())
