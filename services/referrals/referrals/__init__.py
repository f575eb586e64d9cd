"""The referrals service: partner agencies refer serious incidents and SAR requests; cases follow the pathways."""
