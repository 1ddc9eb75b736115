# Sourced by the TAXII benchmarks: a Yagura hub in "$work/y" holding
# "$work/indicators.json" in the collection `bench` (producer `producer`,
# a community member), a reader with a token in $token, and wait_port.
wait_port() { for _ in $(seq 1 600); do (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0; sleep 0.1; done; return 1; }
y() { target/release/yagura --data "$work/y" "$@"; }
y org add producer --jurisdiction JP --community 2> /dev/null
y collection add bench --title Bench 2> /dev/null
y import --org producer --collection bench "$work/indicators.json" > /dev/null
y user add reader --org producer --role partner 2> /dev/null
token=$(y token create --user reader 2> /dev/null)
