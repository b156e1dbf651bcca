"""One module per business entity; each registers its versions and upcasters."""
