package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// spanUnits are the units a span may be given in: whole days or hours.
var spanUnits = map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour}

// parseSpan reads a positive span of whole days or hours, such as 90d or
// 12h: the units an operator thinks of a key's life or an audit window in.
func parseSpan(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("no span given: give a whole number of days or hours, such as 90d or 12h")
	}
	num, unit := s[:len(s)-1], s[len(s)-1:]
	n, err := strconv.ParseInt(num, 10, 64)
	size, ok := spanUnits[unit]
	switch {
	case !ok || err != nil || strings.HasPrefix(num, "+"):
		return 0, fmt.Errorf("%q is not a span: give a whole number of days or hours, such as 90d or 12h", s)
	case n <= 0:
		return 0, fmt.Errorf("%q is not positive", s)
	case n > math.MaxInt64/int64(size):
		return 0, fmt.Errorf("%q is too long", s)
	}
	return time.Duration(n) * size, nil
}
