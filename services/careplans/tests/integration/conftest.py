"""Lets the integration tests import their FHIR builders (fhir_helpers.py beside this file)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
