# Ruby's fibers, each on a stack of its own mapping ward is never told of:
# NEW fibers made and dropped (a new mapping each) while 20 live ones are
# resumed in turn, then ROUNDS more turns of the live ones, then an
# Enumerator (which runs on a fiber too). Prints a checksum.
# Usage: ruby fibers.rb [NEW] [ROUNDS]
new_fibers = (ARGV[0] || 3000).to_i
rounds = (ARGV[1] || 0).to_i
live = (1..20).map { |j| Fiber.new { i = 0; loop { i += 1; Fiber.yield("r" * (i % 64) + j.to_s) } } }
t = 0
new_fibers.times do |n|
  f = Fiber.new { |x| Fiber.yield(x * 2); x }
  t += f.resume(n) + live[n % 20].resume.size
end
rounds.times { |n| t += live[n % 20].resume.size }
e = Enumerator.new { |y| i = 0; loop { y << "e" * (i % 40); i += 1 } }
2000.times { t += e.next.size }
puts t
