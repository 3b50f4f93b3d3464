package validate

// KnownRegionCount is how many regions AWS knows across its partitions: no
// connection can usefully cover more, so the service caps a connection's
// region list at it.
func KnownRegionCount() int { return len(knownRegions) }

// QuoteInput quotes client input for an error message, cut when long so that
// an error never repeats a large input back.
func QuoteInput(s string) string { return quoteInput(s) }
