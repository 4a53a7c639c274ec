package baselines_test

import (
	"fmt"

	"attnclust/baselines"
)

// Lloyd's k-means on two well separated groups of points finds their
// means (cluster order follows the k-means++ seeding).
func ExampleKMeans() {
	x := [][]float64{{0, 0}, {0, 1}, {1, 0}, {10, 10}, {10, 11}, {11, 10}}
	res, err := baselines.KMeans(x, 2, baselines.KMeansOptions{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, b := res.Centroids[0], res.Centroids[1]
	if a[0] > b[0] {
		a, b = b, a
	}
	fmt.Printf("%.3f %.3f\n%.3f %.3f\n", a[0], a[1], b[0], b[1])
	// Output:
	// 0.333 0.333
	// 10.333 10.333
}
