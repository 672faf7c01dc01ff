package mask

// matcher is an Aho–Corasick automaton over all the forms of all the
// secrets: one pass over the text finds every occurrence of any of them,
// however many there are. The root's transitions are a table, which also
// lets the scan skip bytes that start no form without entering the
// automaton; deeper states, reached only inside a partial match, keep
// their few edges in a list and fall back along failure links.
type matcher struct {
	root [256]int32 // root transitions; 0 = stay at the root

	// Per state (0 is the root):
	edgeFrom []int32 // index of the state's first child in edges; -1 for none
	edgeN    []uint8 // number of children - 1 (a state has 1 to 256)
	fail     []int32
	longest  []int32 // length of the longest form ending here (0: none)
	hold     []int32 // bytes to hold back here: the longest suffix that can still grow into a form

	edges []edge
	max   int      // length of the longest form
	forms []string // what it finds
}

type edge struct {
	b  byte
	to int32
}

// newMatcher builds the automaton for forms (none empty).
func newMatcher(forms []string) *matcher {
	m := &matcher{forms: forms}
	// The trie, children as sibling lists: a few flat slices, whatever the
	// number of forms.
	type node struct {
		first, sibling int32 // first child, next sibling; 0 for none
		depth, term    int32
		b              byte
		kids           int32
	}
	size := 1
	for _, f := range forms {
		size += len(f)
	}
	nodes := make([]node, 1, size)
	for _, f := range forms {
		s := int32(0)
		for i := 0; i < len(f); i++ {
			c := f[i]
			t := nodes[s].first
			for t != 0 && nodes[t].b != c {
				t = nodes[t].sibling
			}
			if t == 0 {
				nodes = append(nodes, node{sibling: nodes[s].first, depth: nodes[s].depth + 1, b: c})
				t = int32(len(nodes) - 1)
				nodes[s].first = t
				nodes[s].kids++
			}
			s = t
		}
		nodes[s].term = int32(len(f))
		m.max = max(m.max, len(f))
	}
	n := len(nodes)
	m.edgeFrom = make([]int32, n)
	m.edgeN = make([]uint8, n)
	m.fail = make([]int32, n)
	m.longest = make([]int32, n)
	m.hold = make([]int32, n)
	m.edges = make([]edge, 0, n-1)
	for i, nd := range nodes {
		m.edgeFrom[i] = -1
		if nd.kids > 0 {
			m.edgeFrom[i] = int32(len(m.edges))
			m.edgeN[i] = uint8(nd.kids - 1)
			for t := nd.first; t != 0; t = nodes[t].sibling {
				m.edges = append(m.edges, edge{nodes[t].b, t})
			}
		}
		m.longest[i] = nd.term
	}
	for t := nodes[0].first; t != 0; t = nodes[t].sibling {
		m.root[nodes[t].b] = t
	}
	// Breadth first, so a state's failure link is done before its children.
	queue := make([]int32, 0, n)
	for t := nodes[0].first; t != 0; t = nodes[t].sibling {
		queue = append(queue, t)
	}
	for k := 0; k < len(queue); k++ {
		u := queue[k]
		if nodes[u].kids > 0 {
			m.hold[u] = nodes[u].depth
		} else {
			m.hold[u] = m.hold[m.fail[u]]
		}
		m.longest[u] = max(m.longest[u], m.longest[m.fail[u]])
		for t := nodes[u].first; t != 0; t = nodes[t].sibling {
			m.fail[t] = m.next(m.fail[u], nodes[t].b)
			queue = append(queue, t)
		}
	}
	return m
}

// next is the state after reading c in state s.
func (m *matcher) next(s int32, c byte) int32 {
	for s != 0 {
		if from := m.edgeFrom[s]; from >= 0 {
			for _, e := range m.edges[from : from+int32(m.edgeN[s])+1] {
				if e.b == c {
					return e.to
				}
			}
		}
		s = m.fail[s]
	}
	return m.root[c]
}
