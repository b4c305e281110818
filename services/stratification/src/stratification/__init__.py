"""Stratification service: Population data, frailty and comorbidity indices, risk model, tiers, predictive reports, programme modelling."""
