"""The database backend of settings without DATABASE_URL: they load, and the first use of the database says why it fails."""
