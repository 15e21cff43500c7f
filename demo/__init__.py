"""Demo data for every app (`seed_demo`); the product never imports it."""
