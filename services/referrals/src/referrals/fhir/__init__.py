"""Mapping between FHIR R4 ServiceRequest JSON and the referrals domain."""
