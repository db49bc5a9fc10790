"""IDO Platform: software for the Dutch Informatiepunten Digitale Overheid."""
