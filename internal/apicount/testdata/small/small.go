package small

// A is counted, with its two exported fields.
type A struct {
	X, Y int
	z    int
}

// M is a method of an exported type.
func (A) M() {}

func (a *A) m() {}

// I is an interface with one method.
type I interface{ Do() }

// C and D are constants, e is not counted.
const (
	C = 1
	D = 2
	e = 3
)

// V is a variable.
var V = 4

// F is a function.
func F() {}

type hidden struct{ Exported int }

func (hidden) Exported2() {}
