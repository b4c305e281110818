"""Gateway service: One FHIR base URL and API entry: token checks, routing, aggregated CapabilityStatement."""
