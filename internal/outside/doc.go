// Package outside checks, in its test, that the godoc examples of the
// module's public packages compile and pass when a user copies them into a
// module of their own: they may use only exported API, never an internal
// package.
package outside
