"""Referrals service: Referrals from every route as FHIR ServiceRequest, MDT triage, exclusion notes, urgent crises to dispatch."""
