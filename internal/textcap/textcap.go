// Package textcap shortens texts by characters, for the packages of this
// module that put untrusted text (a server's words, a customer's input)
// into errors, logs and reports.
package textcap

// Runes keeps the first n runes of s and marks the cut with "...", so
// that a hostile input cannot make a text arbitrarily long; s itself if it
// has at most n runes.
func Runes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "..."
		}
		i++
	}
	return s
}
