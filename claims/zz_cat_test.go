package claims
import ("testing";"os";"fmt")
func TestCatScratch(t *testing.T){
 f,_ := os.Open("../fixtures/regimes.json"); defer f.Close()
 rs, err := LoadCatalog(f); if err != nil {t.Fatal(err)}
 for _, r := range rs { for _, x := range (C0{}).Check(Env{}, r) { fmt.Printf("%-22s %-28s %-12s %.3g±%.1g %s\n", r.Name, x.Check, x.Verdict, x.Margin, x.Err, x.Note) } }
}
