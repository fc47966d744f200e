package sftppush

import (
	"errors"
	"testing"
)

func TestKbdAnswer(t *testing.T) {
	cases := []struct {
		name      string
		questions []string
		echos     []bool
		want      []string
		asked     bool
	}{
		{"one hidden prompt", []string{"Password: "}, []bool{false}, []string{"pw"}, true},
		{"translated prompt", []string{"Passwort: "}, []bool{false}, []string{"pw"}, true},
		{"no prompts", nil, nil, nil, false},
		{"echoed prompt", []string{"Username: "}, []bool{true}, nil, false},
		{"password and code", []string{"Password: ", "Verification code: "}, []bool{false, false}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			asked := false
			got, err := kbdAnswer("pw", &asked)("user", "", tc.questions, tc.echos)
			if tc.want == nil && len(tc.questions) > 0 {
				if !errors.Is(err, errUnansweredChallenge) || got != nil {
					t.Errorf("got %q, %v; want errUnansweredChallenge", got, err)
				}
			} else if err != nil || len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
			if asked != tc.asked {
				t.Errorf("asked = %v, want %v", asked, tc.asked)
			}
		})
	}
}
