package sweep_test

import (
	"fmt"

	"attnclust/sweep"
)

// ParseShardSpec reads the value of `verify run -shard`.
func ExampleParseShardSpec() {
	i, n, err := sweep.ParseShardSpec("2/3")
	fmt.Println(i, n, err)
	_, _, err = sweep.ParseShardSpec("4/3")
	fmt.Println(err != nil)
	// Output:
	// 2 3 <nil>
	// true
}
