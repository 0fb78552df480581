package cvrread

// maxInterned bounds the distinct values an Interner remembers.
const maxInterned = 1 << 16

// Interner hands out one shared string for each distinct value of a field
// that repeats from record to record (precinct, batch, tabulator), so that
// a million records hold a few hundred strings rather than a million
// copies. Once it has seen maxInterned distinct values (a file of unique
// values) it stops remembering new ones, so its memory stays bounded.
//
// Make one with NewInterner before the loop over records: the compiler can
// then keep the map's header on the reader's stack. The zero value also
// works.
type Interner struct {
	m map[string]string
}

// NewInterner returns an empty Interner.
func NewInterner() Interner {
	return Interner{m: make(map[string]string)}
}

// Intern returns b as a string, shared with earlier calls for equal bytes.
// Looking up a value already seen does not allocate.
func (in *Interner) Intern(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	return in.add(string(b))
}

// InternString is Intern for a string.
func (in *Interner) InternString(s string) string {
	if v, ok := in.m[s]; ok {
		return v
	}
	return in.add(s)
}

func (in *Interner) add(s string) string {
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}
