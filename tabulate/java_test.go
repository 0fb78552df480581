package tabulate

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The vectors in testdata/java_vectors.txt were produced by running
// testdata/Vec.java on OpenJDK 17 ("java testdata/Vec.java out.txt"); they
// are Java's own answers, not values recalled or derived by hand.
func readJavaVectors(t *testing.T) [][]string {
	t.Helper()
	f, err := os.Open("testdata/java_vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "double ") || strings.HasPrefix(line, "int ") || strings.HasPrefix(line, "shuffle ") {
			out = append(out, strings.Fields(line))
		} else {
			out = append(out, strings.Split(line, "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestJavaRandomVectors(t *testing.T) {
	n := 0
	for _, v := range readJavaVectors(t) {
		switch v[0] {
		case "double":
			seed, _ := strconv.ParseInt(v[1], 10, 64)
			r := NewJavaRandom(seed)
			for _, want := range v[2:] {
				got := r.NextDouble()
				if w, _ := strconv.ParseFloat(want, 64); got != w {
					t.Errorf("Random(%d).nextDouble() = %v, Java %s", seed, got, want)
				}
				n++
			}
		case "int":
			seed, _ := strconv.ParseInt(v[1], 10, 64)
			bound, _ := strconv.ParseInt(v[2], 10, 32)
			r := NewJavaRandom(seed)
			for _, want := range v[3:] {
				if got := r.NextInt(int32(bound)); strconv.Itoa(int(got)) != want {
					t.Errorf("Random(%d).nextInt(%d) = %d, Java %s", seed, bound, got, want)
				}
				n++
			}
		case "shuffle":
			seed, _ := strconv.ParseInt(v[1], 10, 64)
			size, _ := strconv.Atoi(v[2])
			s := make([]int, size)
			for i := range s {
				s[i] = i
			}
			Shuffle(s, NewJavaRandom(seed))
			got := make([]string, size)
			for i, x := range s {
				got[i] = strconv.Itoa(x)
			}
			if !slices.Equal(got, v[3:]) {
				t.Errorf("shuffle(%d, Random(%d)) = %v, Java %v", size, seed, got, v[3:])
			}
			n++
		}
	}
	if n < 500 {
		t.Fatalf("only %d random vectors checked", n)
	}
}

// TestJavaRandomKnownValues pins the draws RCTab's tie-break fixtures
// depend on, as stated in RCTab's documentation and confirmed by Java.
func TestJavaRandomKnownValues(t *testing.T) {
	tests := []struct {
		seed  int64
		draws []float64
	}{
		{0, []float64{0.730967787376657, 0.24053641567148587, 0.6374174253501083}},
		{1, []float64{0.7308781907032909, 0.41008081149220166}},
		{12345, []float64{0.3618031071604718, 0.932993485288541}},
	}
	for _, tt := range tests {
		r := NewJavaRandom(tt.seed)
		for i, want := range tt.draws {
			if got := r.NextDouble(); got != want {
				t.Errorf("Random(%d) draw %d = %v, want %v", tt.seed, i+1, got, want)
			}
		}
	}
	if got := NewJavaRandom(42).NextInt(10); got != 0 {
		t.Errorf("new Random(42).nextInt(10) = %d, want 0", got)
	}
}

func TestJavaStringOrderAndHash(t *testing.T) {
	n := 0
	for _, v := range readJavaVectors(t) {
		switch v[0] {
		case "hash":
			want, _ := strconv.ParseInt(v[2], 10, 32)
			if got := javaHashCode(v[1]); got != int32(want) {
				t.Errorf("hashCode(%q) = %d, Java %d", v[1], got, want)
			}
			n++
		case "cmp":
			if len(v) != 4 {
				continue // a BigDecimal comparison, checked elsewhere
			}
			if _, err := ParseDecimal(v[1]); err == nil {
				if _, err := ParseDecimal(v[2]); err == nil {
					continue
				}
			}
			if got := javaCompare(v[1], v[2]); strconv.Itoa(got) != v[3] {
				t.Errorf("%q.compareTo(%q) sign = %d, Java %s", v[1], v[2], got, v[3])
			}
			n++
		}
	}
	if n < 500 {
		t.Fatalf("only %d string vectors checked", n)
	}
}

func TestJavaHashOrder(t *testing.T) {
	n := 0
	for _, v := range readJavaVectors(t) {
		if v[0] != "map" && v[0] != "set" {
			continue
		}
		keys := strings.Split(v[1], "|")
		want := strings.Split(v[2], "|")
		capacity := javaHashMapCapacity(len(keys))
		if v[0] == "set" {
			capacity = javaHashSetCapacity(len(keys))
		}
		if got := javaHashOrder(keys, capacity); !slices.Equal(got, want) {
			t.Errorf("%s of %d keys: order\n got %v\nJava %v", v[0], len(keys), got, want)
		}
		n++
	}
	if n != 120 {
		t.Fatalf("checked %d hash orders, want 120", n)
	}
}

func TestDecimalMatchesBigDecimal(t *testing.T) {
	n := 0
	for _, v := range readJavaVectors(t) {
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
