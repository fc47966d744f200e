package sftppush

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy decides whether and when to try a push again: Next takes the
// number of the attempt that just ended and its Result. One Push is always
// one attempt; PushWithRetry uses a RetryPolicy for short in-process
// retries, and a durable queue can call Next to schedule long ones.
//
// The zero RetryPolicy makes one attempt. DefaultRetryPolicy mirrors the
// product's schedule: 13 attempts over about 74 hours.
type RetryPolicy struct {
	// Delays are the waits before the second, third... attempt, so there
	// are at most len(Delays)+1 attempts.
	Delays []time.Duration
	// Jitter spreads each delay at random by up to this fraction either way
	// (0.1 means ±10%), so that pushes which failed together do not come
	// back together, and a customer's firewall sees no fixed rhythm. 0 means
	// none; values outside [0, 1] are clamped.
	Jitter float64
	// Retryable reports whether a failed attempt may succeed if tried
	// again. Nil means DefaultRetryable. It is never asked about an OK
	// result: the main file arrived.
	Retryable func(*Result) bool
}

// defaultRetryDelays are the waits of DefaultRetryPolicy, growing from a
// minute to a day: 12 waits, 13 attempts, 73 h 51 min from the first
// attempt to the last.
var defaultRetryDelays = [...]time.Duration{
	1 * time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	1 * time.Hour, 2 * time.Hour, 4 * time.Hour, 6 * time.Hour,
	8 * time.Hour, 12 * time.Hour, 16 * time.Hour, 24 * time.Hour,
}

// DefaultRetryPolicy returns the product's schedule: 13 attempts, waits of
// 1, 5, 15 and 30 minutes, then 1, 2, 4, 6, 8, 12, 16 and 24 hours (about
// 74 hours in all), each ±10%, retrying only what DefaultRetryable allows.
// It returns a new value each time, so callers may change it.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Delays: append([]time.Duration(nil), defaultRetryDelays[:]...), Jitter: 0.1}
}

// Next returns how long to wait before trying again after attempt number n
// (1 for the first) ended with res, and false when there should be no
// further attempt: res is OK, the failure will not fix itself, or the
// schedule is used up.
func (p RetryPolicy) Next(n int, res *Result) (time.Duration, bool) {
	if res == nil || res.Status == StatusOK {
		return 0, false
	}
	retryable := p.Retryable
	if retryable == nil {
		retryable = DefaultRetryable
	}
	if !retryable(res) {
		return 0, false
	}
	return p.Wait(n)
}

// Wait returns the jittered wait after attempt number n (1 for the first),
// whatever its result, and false when the schedule allows no attempt
// after it. A durable queue uses it where no Result is at hand: an attempt
// whose worker died, one that never got to push.
func (p RetryPolicy) Wait(n int) (time.Duration, bool) {
	if n < 1 || n > len(p.Delays) {
		return 0, false
	}
	d := p.Delays[n-1]
	if j := min(max(p.Jitter, 0), 1); j > 0 && d > 0 {
		d = time.Duration(float64(d) * (1 + j*(2*rand.Float64()-1)))
	}
	return max(d, 0), true
}

// DefaultRetryable reports whether a failed push may succeed later without
// anyone changing anything: connection timeouts and failed uploads
// (connection lost, no space, size mismatch...) may; a rejected login, a
// wrong folder, a missing file, permission denied, invalid input, a
// destination the policy refuses, a host key that changed or is unknown,
// and a cancelled push may not. Trying those again only hammers the
// customer's server, whose firewall may then ban the service's addresses.
func DefaultRetryable(res *Result) bool {
	if res == nil {
		return false
	}
	switch res.Status {
	case StatusOK, StatusFileMissing, StatusLoginFailed, StatusIncorrectFolder:
		return false
	}
	switch res.Reason {
	case ReasonPermissionDenied, ReasonInvalidHost, ReasonInvalidGroup, ReasonConnectCanceled, ReasonUploadCanceled,
		ReasonBlockedByPolicy, ReasonHostKeyChanged, ReasonHostKeyUnknown:
		return false
	}
	return true
}
