"""Reply drafts for the support desk."""
