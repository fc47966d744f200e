//go:build !linux

package sftppush

const haveQuickAck = false

func setQuickAck(uintptr) {}
