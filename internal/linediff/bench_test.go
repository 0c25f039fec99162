package linediff

import (
	"fmt"
	"testing"
)

// BigObject is an object of n lines as YAML and the same with every 4th line's value changed:
// the "big objects" figure of issue 14 (a large ConfigMap or CRD).
func BigObject(n int) (a, b []string) {
	for i := 0; i < n; i++ {
		a = append(a, fmt.Sprintf("  key-%05d: value-%d\n", i, i))
		if i%4 == 3 {
			b = append(b, fmt.Sprintf("  key-%05d: changed-%d\n", i, i))
		} else {
			b = append(b, a[i])
		}
	}
	return a, b
}

func BenchmarkBigObject(b *testing.B) {
	x, y := BigObject(20000)
	for b.Loop() {
		Unified(x, y, "live/x", "rigel/x", 3)
	}
}

func BenchmarkShuffled(b *testing.B) {
	x, y := shuffled(20000)
	for b.Loop() {
		Ops(x, y)
	}
}

func BenchmarkCRD(b *testing.B) {
	var x, y []string
	types := []string{"string", "integer", "boolean"}
	for i := 0; i < 5000; i++ {
		t := types[i%3]
		x = append(x, fmt.Sprintf("        prop%d:\n", i), "          description: a field\n", "          default: \"\"\n", "          type: "+t+"\n")
		y = append(y, fmt.Sprintf("        prop%d:\n", i), "          description: a field\n", "          default: \"\"\n", "          type: "+types[(i+1)%3]+"\n")
	}
	for b.Loop() {
		Unified(x, y, "a", "b", 3)
	}
}

func BenchmarkRepeated(b *testing.B) {
	x, y := make([]string, 20000), make([]string, 20000)
	for i := range x {
		x[i] = "- x\n"
		y[i] = "- x\n"
		if i%2 == 1 {
			y[i] = "- y\n"
		}
		if i%3 == 0 {
			x[i] = "- y\n"
		}
	}
	for b.Loop() {
		Ops(x, y)
	}
}
