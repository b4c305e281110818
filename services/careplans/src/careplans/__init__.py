"""Care plans service: FHIR CarePlan, CareTeam, Goal and Flag with emergency and end-of-life plans, need-to-know access and audit."""
