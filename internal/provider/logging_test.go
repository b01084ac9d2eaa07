package provider

import "testing"

func TestLoggingRequested(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want bool
	}{
		{nil, false},
		{[]string{"PATH=/bin", "TF_LOG_PATH=/tmp/x", "TF_LOG_CORE=trace", "TF_IN_AUTOMATION=1"}, false},
		{[]string{"TF_LOG="}, false},
		{[]string{"TF_LOG=trace"}, true},
		{[]string{"TF_LOG=off"}, true},
		{[]string{"TF_LOG_PROVIDER=debug"}, true},
		{[]string{"TF_LOG_PROVIDER_AEGIS=trace"}, true},
		{[]string{"TF_LOG_SDK_FRAMEWORK=trace"}, true},
		{[]string{"TF_LOG_SDK_PROTO_DATA_DIR=/tmp/p"}, true},
	} {
		if got := LoggingRequested(tc.env); got != tc.want {
			t.Errorf("LoggingRequested(%q) = %v, want %v", tc.env, got, tc.want)
		}
	}
}

func TestQuietUnrequestedLogging(t *testing.T) {
	for _, name := range []string{"TF_LOG", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_AEGIS", "TF_LOG_SDK_PROTO_DATA_DIR"} {
		t.Setenv(name, "")
	}
	set := QuietUnrequestedLogging("aegis")
	if len(set) != 4 || set[3] != "TF_LOG_PROVIDER_AEGIS" {
		t.Fatalf("set %v", set)
	}
	// Once set, they count as asked for: a second call changes nothing.
	if again := QuietUnrequestedLogging("aegis"); again != nil {
		t.Fatalf("second call set %v", again)
	}
	t.Setenv("TF_LOG_SDK", "")
	t.Setenv("TF_LOG_SDK_PROTO", "")
	t.Setenv("TF_LOG_SDK_FRAMEWORK", "")
	t.Setenv("TF_LOG_PROVIDER_AEGIS", "")
	t.Setenv("TF_LOG", "trace")
	if set := QuietUnrequestedLogging("aegis"); set != nil {
		t.Fatalf("with TF_LOG=trace it set %v", set)
	}
}
