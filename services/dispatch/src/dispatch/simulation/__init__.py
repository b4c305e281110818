"""County simulation of rapid response: the engine against simple rules on the same referrals."""
