package main

import (
	"os"
	"sort"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's utime and stime: 100 on every Linux
// architecture Go runs on (sysconf needs cgo).
const clockTicks = 100

// procCPU is the user + system CPU seconds of process pid (fields 14 and 15 after the last ')').
func procCPU(pid int) (float64, bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+st) / clockTicks, true
}

type def struct {
	name, unit string
	fn         func(s *sample) (float64, bool)
}

func pctl(p float64) func(s *sample) (float64, bool) {
	return func(s *sample) (float64, bool) {
		if len(s.lat) == 0 {
			return 0, true
		}
		v := append([]int64(nil), s.lat...)
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		rank := int(p / 100 * float64(len(v)))
		if float64(rank) < p/100*float64(len(v)) {
			rank++
		}
		if rank < 1 {
			rank = 1
		}
		return float64(v[rank-1]) / 1e3, true
	}
}

func opsRate(s *sample) (float64, bool)   { return float64(s.Ops) / s.Seconds, true }
func itemsRate(s *sample) (float64, bool) { return float64(s.Items) / s.Seconds, true }
func mbRate(s *sample) (float64, bool)    { return float64(s.Items) / 1e6 / s.Seconds, true }
func perCPU(n float64, s *sample) (float64, bool) {
	if !s.cpuKnown || s.ServerCPU <= 0 {
		return 0, false
	}
	return n / s.ServerCPU, true
}
func opsCPU(s *sample) (float64, bool)      { return perCPU(float64(s.Ops), s) }
func itemsCPU(s *sample) (float64, bool)    { return perCPU(float64(s.Items), s) }
func mbCPU(s *sample) (float64, bool)       { return perCPU(float64(s.Items)/1e6, s) }
func cores(s *sample) (float64, bool)       { return s.ServerCPU / s.Seconds, s.cpuKnown }
func clientCores(s *sample) (float64, bool) { return s.ClientCPU / s.Seconds, s.clientKnown }

var latencies = []def{{"p50_us", "us", pctl(50)}, {"p90_us", "us", pctl(90)},
	{"p99_us", "us", pctl(99)}, {"p999_us", "us", pctl(99.9)}}

func defsOf(kind string) []def {
	switch kind {
	case "pingpong":
		d := []def{{"round_trips_per_s", "rt/s", opsRate}}
		d = append(d, latencies...)
		return append(d, def{"round_trips_per_cpu_s", "rt/cpu-s", opsCPU},
			def{"server_cpu_cores", "cores", cores}, def{"client_cpu_cores", "cores", clientCores})
	case "stream":
		return []def{{"msgs_per_s", "msg/s", opsRate}, {"points_per_s", "pt/s", itemsRate},
			{"msgs_per_cpu_s", "msg/cpu-s", opsCPU}, {"points_per_cpu_s", "pt/cpu-s", itemsCPU},
			{"server_cpu_cores", "cores", cores}, {"client_cpu_cores", "cores", clientCores}}
	case "upload":
		return []def{{"mb_per_s", "MB/s", mbRate}, {"mb_per_cpu_s", "MB/cpu-s", mbCPU},
			{"server_cpu_cores", "cores", cores}, {"client_cpu_cores", "cores", clientCores}}
	}
	d := []def{{"calls_per_s", "call/s", opsRate}}
	d = append(d, latencies...)
	return append(d, def{"calls_per_cpu_s", "call/cpu-s", opsCPU},
		def{"server_cpu_cores", "cores", cores}, def{"client_cpu_cores", "cores", clientCores})
}

// figures: each figure's median and min-max over the samples, as `streamconform bench` gives.
func figures(kind string, samples []sample) map[string]any {
	out := map[string]any{}
	for _, d := range defsOf(kind) {
		var vals []float64
		for i := range samples {
			if v, ok := d.fn(&samples[i]); ok {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		sort.Float64s(vals)
		n := len(vals)
		med := vals[n/2]
		if n%2 == 0 {
			med = (vals[n/2-1] + vals[n/2]) / 2
		}
		out[d.name] = map[string]any{"median": med, "min": vals[0], "max": vals[n-1], "unit": d.unit}
	}
	return out
}
