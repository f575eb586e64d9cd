"""The audits service: multi-agency case file audits, action plans and training impact."""
