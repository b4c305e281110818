"""FHIR-level rules of the careplans service: validation, search parameters, patch, capability."""
