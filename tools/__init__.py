"""Tools for developers and CI, not for readers: the chapter runner and the browser check."""
