"""Contact-centre staff: accounts, console sessions, who is signed in, and the audit log."""
