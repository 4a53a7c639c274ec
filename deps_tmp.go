package main

import (
	_ "github.com/google/go-cmp/cmp"
	_ "gonum.org/v1/gonum/mat"
	_ "gonum.org/v1/plot"
	_ "pgregory.net/rapid"
)

func main() {}
