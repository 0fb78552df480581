package draw

import (
	"math/big"
	"strconv"
)

func bigOne() *big.Rat { return big.NewRat(1, 1) }

func itoa(n int) string { return strconv.Itoa(n) }
