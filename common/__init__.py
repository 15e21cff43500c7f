"""What several apps use: email and file clean-up after commit, service errors on forms, throttles, admin helpers."""
