package tabulate

import (
	"strconv"
	"testing"

	"github.com/canvass/canvass/internal/fixture"
)

func TestDecimalMatchesBigDecimal(t *testing.T) {
	n := 0
	for _, v := range fixture.JavaVectors(t) {
		op := v[0]
		switch op {
		case "str", "add", "sub", "mul", "cmp", "divdown", "divup", "muldown", "divexact":
		default:
			continue
		}
		x, err := ParseDecimal(v[1])
		if err != nil {
			if op == "cmp" {
				continue // a string comparison
			}
			t.Fatalf("%v: %v", v, err)
		}
		if op == "str" {
			if got := x.String(); got != v[2] {
				t.Errorf("BigDecimal(%s).toString() = %s, canvass %s", v[1], v[2], got)
			}
			n++
			continue
		}
		y, err := ParseDecimal(v[2])
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		var got string
		want := v[len(v)-1]
		switch op {
		case "add":
			got = x.Add(y).String()
		case "sub":
			got = x.Sub(y).String()
		case "mul":
			got = x.Mul(y).String()
		case "cmp":
			got = strconv.Itoa(x.Cmp(y))
		case "divdown", "divup", "muldown":
			sc, _ := strconv.Atoi(v[3])
			var d Decimal
			switch op {
			case "divdown":
				d, err = x.DivDown(y, int32(sc))
			case "divup":
				d, err = x.DivUp(y, int32(sc))
			default:
				d = x.MulDown(y, int32(sc))
			}
			if err != nil {
				t.Fatal(err)
			}
			got = d.String()
		case "divexact":
			d, err := x.DivExact(y)
			if err != nil {
				got = "ERR"
			} else {
				got = d.String()
			}
		}
		if got != want {
			t.Errorf("%s %s %s %v: Java %s, canvass %s", op, v[1], v[2], v[3:len(v)-1], want, got)
		}
		n++
	}
	if n < 3000 {
		t.Fatalf("only %d decimal vectors checked", n)
	}
}
